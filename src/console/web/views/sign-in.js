// Sign-in with a Pier access key pair. The pair goes to Pier once; what stays is an HttpOnly cookie.
import { useState } from 'preact/hooks';
import { signIn } from '../api.js';
import { ErrorNote, html } from '../html.js';

export function SignIn({ onSignedIn }) {
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(String(form.get('accessKeyId')), String(form.get('secretAccessKey'))));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`
    <section class="sign-in">
      <h1>Sign in to Pier</h1>
      <p>Use the access key pair <code>pier up</code> wrote to its credentials file (<code>pier env</code> prints it).</p>
      <form onSubmit=${submit}>
        <label>Access key ID<input name="accessKeyId" id="access-key-id" autocomplete="username" required spellcheck="false" /></label>
        <label>Secret access key<input name="secretAccessKey" id="secret-access-key" type="password" autocomplete="current-password" required /></label>
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <${ErrorNote} error=${error} />
    </section>`;
}
