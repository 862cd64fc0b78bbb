/**
 * Shown when the API answers 401: the token is posted once to POST /api/session, which sets
 * an HttpOnly session cookie; the page never keeps the token.
 */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { ErrorLine } from "../components/common.js";

export function LoginPage({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  return (
    <main class="login">
      <h1>Baton</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          api.login(token).then(
            () => {
              setToken("");
              onLoggedIn();
            },
            (failure: Error) => {
              setError(failure);
              setBusy(false);
            },
          );
        }}
      >
        <p>This server needs its API token (http.token in baton.config, or BATON_HTTP_TOKEN).</p>
        <div class="field">
          <label for="token">API token</label>
          <input id="token" type="password" autocomplete="current-password" autofocus value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </div>
        {error ? <ErrorLine error={error} /> : null}
        <button type="submit" class="primary" disabled={busy || token === ""}>
          Log in
        </button>
      </form>
    </main>
  );
}
