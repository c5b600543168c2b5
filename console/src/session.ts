// The API token of the signed-in operator. Kept in sessionStorage only (issue 15, item 5): it
// lives as long as the tab, never in localStorage or a cookie, and is sent only as a bearer header.

const KEY = 'rebound.console.token';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
