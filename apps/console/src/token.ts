/** The API token lives in this tab's session storage only: gone when the tab closes. */
const KEY = "management-app.token";

export const readToken = (): string | null => sessionStorage.getItem(KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(KEY, token.trim());
export const forgetToken = (): void => sessionStorage.removeItem(KEY);
