// The meeting's one store: every module reads the state with get() and writes it with update();
// rendering modules subscribe and redraw what they own. The state is plain objects, arrays, Maps
// and Sets, changed in place inside update() — no copies, no framework.

/**
 * `update(fn)` calls fn(state) (fn changes it in place; its result is returned);
 * `update(patch)` assigns the patch's fields. Either way the listeners run afterwards, in
 * subscription order. A listener that updates the store makes the listeners run once more after
 * the current round, so every listener always ends up seeing the latest state.
 */
export function createStore(initial) {
  const state = initial;
  const listeners = new Set();
  let notifying = false;
  let again = false;

  function notify() {
    if (notifying) { again = true; return; }
    notifying = true;
    const errors = [];
    try {
      do {
        again = false;
        for (const listener of [...listeners]) {
          try { listener(state); } catch (error) { errors.push(error); }
        }
      } while (again);
    } finally {
      notifying = false;
    }
    // One broken renderer must not stop the others; its error still reaches the caller.
    if (errors.length) throw errors[0];
  }

  return {
    get: () => state,
    update(change) {
      const result = typeof change === "function" ? change(state) : Object.assign(state, change);
      notify();
      return result;
    },
    /** Calls `listener(state)` after every update; returns the function that unsubscribes. */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Subscribes `render(view, state)` to the part of the state that `select(state)` picks: it runs
 * now and then only when that view changed. The view must be plain data (compared as JSON), so a
 * renderer redraws what it owns only when what it shows changed (a host's armed "Remove" button
 * survives a chat message).
 */
export function watch(store, select, render) {
  let last;
  const check = (state) => {
    const view = select(state);
    const key = JSON.stringify(view);
    if (key === last) return;
    last = key;
    render(view, state);
  };
  check(store.get());
  return store.subscribe(check);
}
