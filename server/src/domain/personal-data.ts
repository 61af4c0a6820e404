/**
 * A member's personal data (GDPR): what an erasure writes in place of it. Pure: the service
 * reads the member's rows, these functions say what each becomes, the repository writes it.
 * Amounts, dates, offers, statuses and transaction ids are not personal data here and stay (the
 * accounts need them); names, e-mail addresses, postal addresses, phone numbers and IP addresses go.
 */

/** What replaces an erased value inside a text or a payload. */
export const ERASED = '[erased]';

/** The placeholder e-mail and username of an erased member (unique per user, never deliverable). */
export const erasedEmail = (userId: number) => `erased-${userId}@invalid`;
export const erasedUsername = (userId: number) => `erased-${userId}`;

/**
 * Payload keys of a Click2Sell notification that hold the buyer's identity (name, surname,
 * e-mail, postal address, phone, IP). `buyer_country` stays: VAT accounting needs it, and alone
 * it names nobody.
 */
export const isPersonalPayloadKey = (key: string) =>
  (/^buyer_/i.test(key) && !/^buyer_country$/i.test(key)) || /(^|_)ip(_|$)|ip_address/i.test(key);

/** The personal strings to look for, longest first (a name inside an e-mail is replaced whole), without blanks or one-letter values. */
export const secretsOf = (values: readonly (string | null | undefined)[]): string[] =>
  [...new Set(values.map((v) => (typeof v === 'string' ? v.trim() : '')).filter((v) => v.length >= 2))].sort((a, b) => b.length - a.length);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with every occurrence of a secret (case-insensitive) replaced by `[erased]`. */
export const scrubText = (text: string, secrets: readonly string[]): string => {
  let out = text;
  for (const secret of secrets) out = out.replace(new RegExp(escape(secret), 'gi'), ERASED);
  return out;
};

/** Whether a text holds one of the secrets. */
export const holdsSecret = (text: string | null | undefined, secrets: readonly string[]): boolean =>
  typeof text === 'string' && secrets.some((s) => text.toLowerCase().includes(s.toLowerCase()));

/** A scrubbed copy of any JSON value: every string scrubbed, personal payload keys replaced. */
export const scrubJson = (value: unknown, secrets: readonly string[]): unknown => {
  if (typeof value === 'string') return scrubText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, secrets));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      out[key] = isPersonalPayloadKey(key) && v !== '' && v !== null ? ERASED : scrubJson(v, secrets);
    }
    return out;
  }
  return value;
};

/**
 * The identifying strings a Click2Sell payload carries, to look for in free texts elsewhere: the
 * buyer's e-mail, first name, surname and full name. (Address, phone and the like are replaced by
 * key in the payload itself; searching short values such as a postcode in every text would also
 * hit transaction ids.)
 */
export const payloadSecrets = (payload: unknown): string[] => {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return [];
  const p = payload as Record<string, unknown>;
  const found: string[] = [];
  for (const key of ['buyer_email', 'buyer_name', 'buyer_surname']) if (typeof p[key] === 'string') found.push(p[key] as string);
  if (typeof p.buyer_name === 'string' && typeof p.buyer_surname === 'string') found.push(`${p.buyer_name} ${p.buyer_surname}`);
  return found;
};

/**
 * users-permissions' own user fields that are not personal (kept as they are), and the secrets
 * an export never shows (the password hash, one-time tokens).
 */
export const USER_KEPT_FIELDS = ['id', 'documentId', 'provider', 'confirmed', 'blocked', 'createdAt', 'updatedAt', 'publishedAt', 'locale', 'createdBy', 'updatedBy', 'role'];
export const USER_SECRET_FIELDS = ['password', 'resetPasswordToken', 'confirmationToken'];

/** An erased member's placeholder address (`@invalid`, a reserved name): nothing is ever queued to it. */
export const isErasedAddress = (email: string | null | undefined): boolean => typeof email === 'string' && /@invalid$/i.test(email.trim());
