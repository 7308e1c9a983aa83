// What the site remembers while it is open: the logged-in user (from the API) and the cart.
// Both in memory only: the session is the HttpOnly cookie, and nothing goes to storage.

export const state = {
  session: null, // {csrf_token, needs_second_factor} or null
  user: null, // the API's User, or null
  unread: 0, // unread notifications, for the menu
  cart: [], // [{name, unicode_name, operation, years, auth_code, prices, currency}]
};

export function inCart(name, operation) {
  return state.cart.some((item) => item.name === name && item.operation === operation);
}
