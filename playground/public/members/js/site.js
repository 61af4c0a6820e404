// What every page of the member site shares: the API client, the signed-in member (their JWT in
// localStorage), the language (en/fr) and the header. Each page has one small module of its own.
import { createClient, SubscriptionsApiError } from '/members/client.js';
import { messages } from '/members/js/i18n.js';

export { SubscriptionsApiError };

/** The plugin's typed client; '' = the Strapi that serves this site. */
export const api = createClient({ baseUrl: '' });

// --- Language ---------------------------------------------------------------------------------
export const lang = () => {
  const chosen = localStorage.getItem('members.lang');
  if (chosen && messages[chosen]) return chosen;
  return navigator.language && navigator.language.startsWith('fr') ? 'fr' : 'en';
};

/** The text for `key` in the current language; {name} placeholders; 'one|many' picks by {n}. */
export const t = (key, values = {}) => {
  let text = messages[lang()][key] ?? messages.en[key] ?? key;
  if (text.includes('|')) text = text.split('|')[values.n === 1 ? 0 : 1];
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
};

export const formatDate = (iso) => (iso ? new Date(iso).toLocaleDateString(lang(), { dateStyle: 'medium' }) : '');

const translatePage = () => {
  document.documentElement.lang = lang();
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
};

// --- Session ----------------------------------------------------------------------------------
export const session = {
  get jwt() {
    return localStorage.getItem('members.jwt');
  },
  get user() {
    return JSON.parse(localStorage.getItem('members.user') || 'null');
  },
  /** Keeps what /api/auth/local, /register and /reset-password answer: `{ jwt, user }`. */
  save({ jwt, user }) {
    localStorage.setItem('members.jwt', jwt);
    localStorage.setItem('members.user', JSON.stringify({ username: user.username, email: user.email }));
  },
  clear() {
    localStorage.removeItem('members.jwt');
    localStorage.removeItem('members.user');
  },
};

/** Sends a signed-out visitor to the sign-in page, to come back here afterwards. */
export const requireSignIn = () => {
  if (session.jwt) return true;
  location.href = `/members/signin/?next=${encodeURIComponent(location.pathname)}`;
  return false;
};

/** Where to go after signing in or up: `?next=` when it is a page of this site (never elsewhere). */
export const nextPage = () => {
  const next = new URLSearchParams(location.search).get('next') || '';
  return /^\/members\/[\w\-/]*$/.test(next) ? next : '/members/account/';
};

/** users-permissions' auth routes (sign up, sign in, set a password): `{ jwt, user }` or an error. */
export const auth = async (path, body) => {
  const res = await fetch(`/api/auth/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new SubscriptionsApiError(res.status, json.error?.message || t('error.generic', { status: res.status }), json.error?.name ?? null, json.error?.details ?? {});
  return json;
};

// --- Page helpers -----------------------------------------------------------------------------
/** Shows a message in the page's role="alert" (or role="status") element. */
export const show = (id, text) => {
  const el = document.getElementById(id);
  el.textContent = text;
  el.hidden = !text;
};

export const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

const renderHeader = () => {
  const header = document.getElementById('site-header');
  const link = (href, key) => el('a', { href, textContent: t(key) });
  const nav = el('nav', {}, link('/members/', 'nav.pricing'), link('/members/members-only/', 'nav.members'), link('/members/premium/', 'nav.premium'));
  if (session.jwt) {
    const out = el('button', { type: 'button', textContent: t('nav.signout') });
    out.addEventListener('click', () => {
      session.clear();
      location.href = '/members/';
    });
    nav.append(link('/members/account/', 'nav.account'), out);
  } else {
    nav.append(link('/members/signin/', 'nav.signin'), link('/members/signup/', 'nav.signup'));
  }
  const switcher = el('button', { type: 'button', className: 'lang', textContent: t('nav.language') });
  switcher.addEventListener('click', () => {
    localStorage.setItem('members.lang', lang() === 'fr' ? 'en' : 'fr');
    location.reload();
  });
  header.replaceChildren(el('strong', { textContent: 'Members' }), nav, switcher);
};

/** Every page calls this first. */
export const start = () => {
  translatePage();
  renderHeader();
};
