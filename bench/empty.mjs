/** Nothing: spawned to time the Node.js runtime's own boot, apart from any bundle's (`bench/cold-starts.mjs`). */
