// The console's login: the operator's own token, typed into a form (never a URL), exchanged for a
// session cookie. An operator with a registered client certificate is logged in without it.
import { html, page } from './console-html.ts';

export function loginPage(error?: string): string {
  return page(
    'Log in',
    html`<form method="post" action="/ops/login" class="card login">
      ${error ? html`<p class="badge bad" data-testid="login-error">${error}</p>` : ''}
      <label for="token">Operator token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
      <button data-testid="login">Log in</button></form>`,
  );
}

export function errorPage(status: number, code: string, message: string, viewer?: import('./console-html.ts').PageViewer): string {
  return page(`${status} ${code}`, html`<div class="card error" data-testid="error-code">${code}</div><p data-testid="error-message">${message}</p><p><a href="/ops/">back to the overview</a></p>`, viewer);
}
