// Where a wasm module's bytes go: the code section's function bodies summed by crate
// (and, for our crate, by module), read from the module's name section, plus the data
// and the other sections. The page's release build is stripped of names, so this
// reads a build that keeps them (bench/gaps.md says how to make one):
//
//   node bench/size.mjs target/wasm-names/wasm32-unknown-unknown/release/backprop_lab.wasm
import { readFileSync } from "node:fs";

const file = process.argv[2];
if (!file) throw new Error("usage: node bench/size.mjs MODULE.wasm");
const bytes = readFileSync(file);

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function leb(at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
    shift += 7;
  }
}

const sections = [];
for (let at = 8; at < bytes.length;) {
  const id = bytes[at];
  const [size, body] = leb(at + 1);
  let name = null;
  if (id === 0) {
    const [len, start] = leb(body);
    name = bytes.subarray(start, start + len).toString("utf8");
  }
  sections.push({ id, name, body, end: body + size, size: body + size - at });
  at = body + size;
}

const imports = (() => {
  const s = sections.find((x) => x.id === 2);
  if (!s) return 0;
  let [count, at] = leb(s.body);
  let functions = 0;
  for (let i = 0; i < count; i++) {
    for (let str = 0; str < 2; str++) {
      const [len, next] = leb(at);
      at = next + len;
    }
    const kind = bytes[at++];
    if (kind === 0) {
      functions++;
      at = leb(at)[1];
    } else if (kind === 1) {
      at += 1;
      const [flags, next] = leb(at);
      at = leb(next)[1];
      if (flags & 1) at = leb(at)[1];
    } else if (kind === 2) {
      const [flags, next] = leb(at);
      at = leb(next)[1];
      if (flags & 1) at = leb(at)[1];
    } else if (kind === 3) at += 2;
    else throw new Error(`import kind ${kind}`);
  }
  return functions;
})();

const names = new Map();
const nameSection = sections.find((s) => s.name === "name");
if (!nameSection) throw new Error(`${file} has no name section: build it with names (bench/gaps.md)`);
{
  const [nameLen, nameStart] = leb(nameSection.body);
  let at = nameStart + nameLen;
  while (at < nameSection.end) {
    const kind = bytes[at];
    const [size, body] = leb(at + 1);
    if (kind === 1) {
      let [count, p] = leb(body);
      for (let i = 0; i < count; i++) {
        const [index, q] = leb(p);
        const [len, start] = leb(q);
        names.set(index, bytes.subarray(start, start + len).toString("utf8"));
        p = start + len;
      }
    }
    at = body + size;
  }
}

/** The crate a function belongs to, and for ours its module: the first path in its name
 * that is not a bracketed type (`<T as crate::Trait>` counts as crate). */
function owner(mangled) {
  // v0 mangling's demangled form tags each crate with its hash: `backprop_lab[0123abcd]::`.
  const name = mangled.replace(/\[[0-9a-f]+\]/g, "");
  const paths = name.match(/[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+/g) ?? [];
  const path = paths.find((p) => p.startsWith("backprop_lab::")) ?? paths[0];
  if (!path) return { crate: name.startsWith("__") || /^[a-z_]+$/.test(name) ? "runtime and libc" : "unnamed", module: null };
  const parts = path.split("::");
  const module = parts[0] === "backprop_lab" ? parts.slice(1, 3).join("::") : null;
  return { crate: parts[0], module };
}

const byCrate = new Map();
const byModule = new Map();
/** Our code by the number type a generic function was instantiated for: the f64 copies
 * are inspection's (ledger, gradient checks, worked examples), the f32 ones training's. */
const byType = new Map();
const add = (map, key, n) => map.set(key, (map.get(key) ?? 0) + n);
const code = sections.find((s) => s.id === 10);
{
  let [count, at] = leb(code.body);
  for (let i = 0; i < count; i++) {
    const [size, body] = leb(at);
    const total = body + size - at;
    const name = names.get(imports + i) ?? "unnamed";
    const { crate, module } = owner(name);
    add(byCrate, crate, total);
    if (module) {
      add(byModule, module, total);
      add(byType, /<f64>|<f64,/.test(name) ? "f64 instantiations" : /<f32>|<f32,/.test(name) ? "f32 instantiations" : "not generic over the number type", total);
    }
    at = body + size;
  }
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
const SECTION = { 1: "types", 2: "imports", 3: "functions", 4: "tables", 5: "memory", 6: "globals", 7: "exports", 8: "start", 9: "elements", 10: "code", 11: "data", 12: "data count" };
console.log(`${file}: ${kb(bytes.length)} in all`);
console.log("\nsections:");
for (const s of sections) console.log(`  ${String(s.name ?? SECTION[s.id] ?? s.id).padEnd(24)} ${kb(s.size)}`);
const table = (title, map) => {
  console.log(`\n${title}:`);
  for (const [k, n] of [...map].sort((a, b) => b[1] - a[1])) if (n >= 2000) console.log(`  ${k.padEnd(40)} ${kb(n)}`);
};
table("code by crate (2 KB or more)", byCrate);
table("our code by module (2 KB or more)", byModule);
table("our code by number type", byType);
