// The welcome e-mail's link (users-permissions' "Reset password page" points here): posts its
// one-time code with the chosen password to POST /api/auth/reset-password, which signs the
// member in, then shows their subscriptions.
import { api, auth, el, formatDate, session, show, start, t } from '/members/js/site.js';

start();
const form = document.getElementById('form');
const code = new URLSearchParams(location.search).get('code');
// Keep the one-time code out of the address bar (and of the history) once it is read.
history.replaceState(null, '', location.pathname);
if (!code) show('error', t('setPassword.noCode'));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  show('error', '');
  try {
    const answer = await auth('reset-password', { code, ...Object.fromEntries(new FormData(form)) });
    session.save(answer);
    form.hidden = true;
    document.querySelector('h1').textContent = t('setPassword.welcome');
    show('welcome', t('setPassword.done', { email: answer.user.email }));
    document.getElementById('done').hidden = false;
    const { data } = await api.me(answer.jwt);
    document.getElementById('subscriptions').append(
      ...data.subscriptions.map((s) =>
        el('li', { textContent: `${s.offer ? s.offer.title : '—'}: ${t(`status.${s.status}`)}${s.endsAt ? ` (${formatDate(s.endsAt)})` : ''}` })
      )
    );
  } catch (error) {
    show('error', error.message);
  }
});
