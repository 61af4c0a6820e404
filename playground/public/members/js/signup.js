// Sign up with users-permissions (POST /api/auth/local/register), then back where the visitor was.
import { auth, nextPage, session, show, start } from '/members/js/site.js';

start();
const form = document.getElementById('form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  show('error', '');
  try {
    session.save(await auth('local/register', Object.fromEntries(new FormData(form))));
    location.href = nextPage();
  } catch (error) {
    show('error', error.message);
  }
});
