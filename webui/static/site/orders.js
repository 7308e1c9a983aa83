// Placing an order and following it: the API carries an order out in the request, or (if
// the process was interrupted) the orders consumer finishes it; either way the page asks
// until it is done and reports how many items have settled.

import {get, post} from "../common/api.js";

const POLL_MS = 500;

/** Places items as one order; onProgress(settled, total) while it runs; the done order. */
export async function placeOrder(items, onProgress = () => {}) {
  let order = await post("/api/orders", {items});
  while (order.status !== "done") {
    onProgress(order.items.filter((i) => i.status !== "pending").length, order.items.length);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    order = await get(`/api/orders/${order.id}`);
  }
  onProgress(order.items.length, order.items.length);
  return order;
}
