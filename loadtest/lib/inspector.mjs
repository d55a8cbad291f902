// Chrome DevTools Protocol over a Node process's --inspect port, with Node's global WebSocket.
// Used to force a full GC before reading a hub's RSS, and for allocation sampling.

export async function inspector(port) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const waiting = new Map();
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  };
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** A full garbage collection in the inspected process. */
export async function collectGarbage(port) {
  const cdp = await inspector(port);
  try {
    await cdp.send("HeapProfiler.collectGarbage");
  } finally {
    cdp.close();
  }
}

/** `process.memoryUsage()` of the inspected process (call after collectGarbage for a floor). */
export async function memoryUsage(port) {
  const cdp = await inspector(port);
  try {
    const r = await cdp.send("Runtime.evaluate", {
      expression: "JSON.stringify(process.memoryUsage())",
      returnByValue: true,
    });
    return JSON.parse(r.result.result.value);
  } finally {
    cdp.close();
  }
}
