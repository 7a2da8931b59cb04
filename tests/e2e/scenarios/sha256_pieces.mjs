// The console's SHA-256 fed piece by piece (console/js/sha256.js, used for files WebCrypto cannot
// take whole) gives node's digest for every length around the block and padding edges, however
// the bytes are cut. No browser: the module is plain JavaScript.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const source = readFileSync(new URL('../../../console/js/sha256.js', import.meta.url), 'utf8');
const { Sha256 } = await import(`data:text/javascript,${encodeURIComponent(source)}`);

let cases = 0;
for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 65536, 1 << 20, (1 << 20) + 17]) {
  const data = randomBytes(n);
  const want = createHash('sha256').update(data).digest('hex');
  for (const cut of [n || 1, 1, 7, 64, 4096]) {
    const hash = new Sha256();
    for (let i = 0; i < n; i += cut) hash.update(i % 2 ? data.subarray(i, i + cut) : data.buffer.slice(data.byteOffset + i, data.byteOffset + Math.min(n, i + cut)));
    const got = hash.hex();
    if (got !== want) {
      console.log(`FAILED: ${n} bytes in pieces of ${cut}: ${got}, node says ${want}`);
      process.exit(1);
    }
    cases++;
  }
}
console.log(`${cases} cases match`);
console.log('SCENARIO PASSED');
