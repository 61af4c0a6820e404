// My account: the member's subscriptions (GET /api/subscriptions/me) with their dates, a renew
// link and a cancel button (asks first; POST …/me/subscriptions/:documentId/cancel).
import { api, el, formatDate, requireSignIn, session, show, start, t } from '/members/js/site.js';

start();

const row = (s) => {
  const actions = el('td');
  if (s.renewUrl) actions.append(el('a', { href: s.renewUrl, textContent: t('account.renew') }), ' ');
  if (s.cancellable) {
    const button = el('button', { type: 'button', textContent: t('account.cancel') });
    button.addEventListener('click', () => cancel(s));
    actions.append(button);
  }
  const status = t(`status.${s.status}`) + (s.cancelledAt && s.status !== 'cancelled' ? ` (${t('account.cancelledOn', { date: formatDate(s.cancelledAt) })})` : '');
  return el('tr', {},
    el('td', { textContent: s.offer ? s.offer.title : '—' }),
    el('td', { textContent: status }),
    el('td', { textContent: formatDate(s.startsAt) }),
    el('td', { textContent: s.dueAt ? formatDate(s.dueAt) : t('account.unlimited') }),
    el('td', { textContent: s.endsAt ? formatDate(s.endsAt) : t('account.openEnded') }),
    actions
  );
};

const render = async () => {
  const { data } = await api.me(session.jwt);
  const user = session.user;
  document.getElementById('who').textContent = t('account.signedInAs', { name: user ? user.username : '' });
  document.getElementById('role').textContent = data.role ? t('account.role', { role: data.role.name }) : '';
  document.getElementById('subscriptions').replaceChildren(...data.subscriptions.map(row));
  document.getElementById('table').hidden = data.subscriptions.length === 0;
  document.getElementById('none').hidden = data.subscriptions.length > 0;
};

const cancel = async (s) => {
  const until = formatDate(s.dueAt ?? s.endsAt);
  if (!confirm(t('account.confirmCancel', { offer: s.offer ? s.offer.title : '', date: until }))) return;
  try {
    const { data } = await api.cancel(session.jwt, s.documentId);
    show('notice', t('account.cancelled', { date: formatDate(data.dueAt ?? data.endsAt) }));
    await render();
  } catch (error) {
    show('error', error.message);
  }
};

if (requireSignIn()) {
  const taken = new URLSearchParams(location.search).get('taken');
  if (taken) show('notice', t('account.taken', { offer: taken }));
  render().catch((error) => {
    if (error.status === 401) {
      session.clear();
      requireSignIn();
    }
    show('error', error.message);
  });
}
