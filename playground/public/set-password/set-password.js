// Posts the e-mail's one-time code with the new password to users-permissions' own route, then
// shows the member's subscriptions (GET /api/subscriptions/me with the JWT it answers).
(function () {
  var form = document.getElementById('form');
  var error = document.getElementById('error');
  var code = new URLSearchParams(location.search).get('code');
  // Keep the one-time code out of the address bar (and of the history) once it is read.
  history.replaceState(null, '', location.pathname);
  var fail = function (message) {
    error.textContent = message;
    error.hidden = false;
  };
  if (!code) fail('This link has no code: open the link from your e-mail again.');

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    error.hidden = true;
    var values = Object.fromEntries(new FormData(form));
    var res = await fetch('/api/auth/reset-password', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: code, password: values.password, passwordConfirmation: values.passwordConfirmation }),
    });
    var body = await res.json().catch(function () { return {}; });
    if (!res.ok) return fail((body.error && body.error.message) || 'The password could not be set (HTTP ' + res.status + ').');
    form.hidden = true;
    document.querySelector('h1').textContent = 'Welcome';
    document.getElementById('done').hidden = false;
    if (body.user) document.getElementById('welcome').textContent = 'Your password is set: log in with ' + body.user.email + ' from now on.';
    if (!body.jwt) return;
    var me = await fetch('/api/subscriptions/me', { headers: { Authorization: 'Bearer ' + body.jwt } });
    var list = document.getElementById('subscriptions');
    ((me.ok && (await me.json()).data) || { subscriptions: [] }).subscriptions.forEach(function (s) {
      var item = document.createElement('li');
      item.textContent = (s.offer ? s.offer.title : 'Subscription') + ': ' + s.status + (s.endsAt ? ' until ' + new Date(s.endsAt).toLocaleDateString() : '');
      list.append(item);
    });
  });
})();
