/**
 * strapi-plugin-subscriptions/client: a typed client for the member content API
 * (`/api/subscriptions/…`), for a member site or any JavaScript frontend.
 *
 * No runtime dependency: it uses the global `fetch` (browsers, Node 18+). Its types are the
 * server's contract (server/src/contract/member-api.ts), imported type-only: one definition.
 *
 *   import { createClient, SubscriptionsApiError } from 'strapi-plugin-subscriptions/client';
 *   const api = createClient({ baseUrl: 'https://cms.example.com' });
 *   const { data: offers } = await api.offers();
 */
import type {
  FreeOfferResponse,
  MeResponse,
  MemberRefusalDetails,
  MySubscription,
  MySubscriptionResponse,
  PublicOffer,
  PublicOffersResponse,
} from '../../server/src/contract/member-api';

export type {
  FreeOfferResponse,
  MeResponse,
  MemberRefusalDetails,
  MySubscription,
  MySubscriptionResponse,
  PublicOffer,
  PublicOffersResponse,
};

/** One field at fault, as Strapi's validation errors name it (`details.errors[]`). */
export interface FieldError {
  path: (string | number)[];
  message: string;
  name?: string;
}

/** `error.details` of a refusal: the fields at fault and what the member needs to act on it. */
export type ErrorDetails = MemberRefusalDetails & { errors?: FieldError[] } & Record<string, unknown>;

/** The API refused (4xx/5xx), or answered something that is not its JSON. */
export class SubscriptionsApiError extends Error {
  /** The HTTP status (0: the server could not be reached). */
  readonly status: number;
  /** Strapi's error name (`ValidationError`, `UnauthorizedError`, `NotFoundError`…). */
  readonly errorName: string | null;
  readonly details: ErrorDetails;
  /** The fields at fault (`details.errors`), empty when the refusal is not about a field. */
  readonly errors: FieldError[];

  constructor(status: number, message: string, errorName: string | null = null, details: ErrorDetails = {}) {
    super(message);
    this.name = 'SubscriptionsApiError';
    this.status = status;
    this.errorName = errorName;
    this.details = details;
    this.errors = Array.isArray(details.errors) ? details.errors : [];
  }

  /** The first field at fault, as a dotted path (`offer`, `checkoutUrl`…), or null. */
  get field(): string | null {
    const first = this.errors[0];
    return first && Array.isArray(first.path) ? first.path.join('.') : null;
  }
}

export interface ClientOptions {
  /** The Strapi server's URL (`https://cms.example.com`); '' for the same origin (a page Strapi serves). */
  baseUrl?: string;
  /** Another fetch (tests, older runtimes); defaults to the global one. */
  fetch?: typeof fetch;
}

export interface SubscriptionsClient {
  /** `GET /api/subscriptions/offers`: the available offers, public fields only. */
  offers(): Promise<PublicOffersResponse>;
  /** `GET /api/subscriptions/me`: the member's role and subscriptions. */
  me(jwt: string): Promise<MeResponse>;
  /** `POST /api/subscriptions/offers/:documentId/subscribe`: takes (or renews) a free offer. */
  subscribeFree(jwt: string, offerDocumentId: string): Promise<FreeOfferResponse>;
  /** `POST /api/subscriptions/me/subscriptions/:documentId/cancel`: stops one's own subscription. */
  cancel(jwt: string, subscriptionDocumentId: string): Promise<MySubscriptionResponse>;
}

const PREFIX = '/api/subscriptions';

export const createClient = (options: ClientOptions = {}): SubscriptionsClient => {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));

  const call = async <T>(method: 'GET' | 'POST', path: string, jwt?: string): Promise<T> => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (jwt) headers.Authorization = `Bearer ${jwt}`;
    let res: Response;
    try {
      res = await doFetch(`${base}${PREFIX}${path}`, { method, headers });
    } catch (cause) {
      throw new SubscriptionsApiError(0, `could not reach ${base || 'the server'}: ${(cause as Error)?.message ?? cause}`);
    }
    const text = await res.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: reported below
    }
    if (!res.ok) {
      const error = body && typeof body === 'object' ? body.error : null;
      throw new SubscriptionsApiError(
        res.status,
        (error && typeof error.message === 'string' && error.message) || `HTTP ${res.status}`,
        (error && typeof error.name === 'string' && error.name) || null,
        (error && error.details && typeof error.details === 'object' ? error.details : {}) as ErrorDetails
      );
    }
    if (!body || typeof body !== 'object') throw new SubscriptionsApiError(res.status, `the server answered HTTP ${res.status} without JSON`);
    return body as T;
  };

  const segment = (name: string, value: string) => {
    if (typeof value !== 'string' || !value) throw new TypeError(`${name} must be a non-empty string`);
    return encodeURIComponent(value);
  };

  return {
    offers: () => call<PublicOffersResponse>('GET', '/offers'),
    me: (jwt) => call<MeResponse>('GET', '/me', jwt),
    subscribeFree: (jwt, offerDocumentId) =>
      call<FreeOfferResponse>('POST', `/offers/${segment('offerDocumentId', offerDocumentId)}/subscribe`, jwt),
    cancel: (jwt, subscriptionDocumentId) =>
      call<MySubscriptionResponse>('POST', `/me/subscriptions/${segment('subscriptionDocumentId', subscriptionDocumentId)}/cancel`, jwt),
  };
};
