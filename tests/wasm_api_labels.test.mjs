// evaluate and gradientCheck through wasm with labels that are not the model's: named
// labels follow the model's class_names, a model without names takes only integers
// 0..C-1, anything else throws an Error naming the line and the value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, evaluate, gradientCheck } from "../www/pkg/backprop_lab.js";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
initSync({ module: readFileSync(here("../www/pkg/backprop_lab_bg.wasm")) });
const seeds = JSON.parse(readFileSync(here("../../shared/reference/seed-examples.json"), "utf8"));
/** Two inputs, three classes, no class names. */
const unnamed = seeds.examples.find((e) => e.name === "cs231n-worked-example").model;

test("a model without class names refuses cat, -1, 1.5 and 3, naming the line", () => {
  for (const bad of ["cat", "-1", "1.5", "3"]) {
    const csv = `x0,x1,label\n16.0,-6.0,2\n1,2,${bad}\n`;
    const want = `data: line 3: the label "${bad}" is not a class of this model; it has no class names, so labels must be integers from 0 to 2`;
    assert.throws(() => evaluate(JSON.stringify(unnamed), csv), { message: want });
    assert.throws(() => gradientCheck(JSON.stringify(unnamed), csv, 1e-5), { message: want });
  }
});

test("named labels are matched to the model's class names in its order", () => {
  const named = { ...unnamed, class_names: ["zebra", "ant", "cat"] };
  const byIndex = JSON.parse(evaluate(JSON.stringify(unnamed), "x0,x1,label\n16.0,-6.0,2\n1,2,0\n3,-1,1\n"));
  const byName = JSON.parse(evaluate(JSON.stringify(named), "x0,x1,label\n16.0,-6.0,cat\n1,2,zebra\n3,-1,ant\n"));
  assert.equal(byName.loss, byIndex.loss);
  assert.deepEqual(byName.gradients, byIndex.gradients);
  const check = JSON.parse(gradientCheck(JSON.stringify(named), "x0,x1,label\n16.0,-6.0,cat\n1,2,zebra\n", 1e-5));
  assert.ok(check.max_relative_error < 1e-6, `${check.max_relative_error}`);
  assert.throws(() => evaluate(JSON.stringify(named), "x0,x1,label\n16.0,-6.0,cat\n1,2,dog\n"),
    { message: `data: line 3: the label "dog" is not one of the model's classes ("zebra", "ant", "cat")` });
});
