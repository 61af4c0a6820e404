// A members-only page: calls the playground's route guarded by the plugin's policy
// (has-active-subscription), named by <body data-endpoint>. Refused (403), it says what is required.
import { el, session, show, start, t } from '/members/js/site.js';

start();
const { endpoint, page } = document.body.dataset;
const refused = (message) => {
  document.getElementById('refused').hidden = false;
  document.getElementById('required').textContent = t(`content.${page}.required`);
  if (message) show('error', message);
  document.getElementById('next').replaceChildren(
    session.jwt
      ? el('a', { href: '/members/', textContent: t('content.seePricing') })
      : el('a', { href: `/members/signin/?next=${encodeURIComponent(location.pathname)}`, textContent: t('content.signIn') })
  );
};

if (!session.jwt) refused('');
else {
  const res = await fetch(endpoint, { headers: { Authorization: `Bearer ${session.jwt}` } });
  const body = await res.json().catch(() => ({}));
  if (res.ok) show('content', body.data.message);
  else refused(body.error?.message || t('error.generic', { status: res.status }));
}
