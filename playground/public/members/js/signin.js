// Sign in with users-permissions (POST /api/auth/local), then back where the visitor was.
import { auth, nextPage, session, show, start, t } from '/members/js/site.js';

start();
const params = new URLSearchParams(location.search);
if (params.get('why') === 'take') show('notice', t('pricing.signInFirst'));
// Pass the way back on to the sign-up link too.
if (params.get('next')) document.getElementById('signup').search = `?next=${encodeURIComponent(nextPage())}`;

const form = document.getElementById('form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  show('error', '');
  try {
    session.save(await auth('local', Object.fromEntries(new FormData(form))));
    location.href = nextPage();
  } catch (error) {
    show('error', error.message);
  }
});
