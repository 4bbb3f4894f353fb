// Long work on the server's thread (parsing a 50 MiB report, scanning its bytes) is a chain of awaits whose
// promises are often settled already: those resume as microtasks, which run before the event loop looks at any
// socket, so /health waited for the whole chain (1.6 s stretches under three uploads). Waiting for a turn of the
// event loop between pieces lets the requests that are ready in first.
import type { ByteSource } from '../parse/types.js';

/** Resolves after the I/O that is ready now has been handled (setImmediate runs after the loop's poll). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The same bytes, each chunk handed out after a turn of the event loop: whoever reads them gives way as it goes. */
export function givingWay(open: ByteSource): ByteSource {
  return async function* () {
    for await (const chunk of open()) {
      await nextTurn();
      yield chunk;
    }
  };
}
