import { describe, expect, it } from "vitest";
import { labelKeyError, labelValueError, matchesSelector, parseSelector, selectorString } from "../../apps/shared/labels/label-selector";

/**
 * The cases of k8s.io/apimachinery@v0.36.3 pkg/labels/selector_test.go (TestSelectorParse,
 * TestSelectorMatches, TestSetSelectorParser, TestRequirementSelectorMatching), run against our
 * parser: what parses there parses here, with the same requirements, and matches the same sets.
 */
describe("label selectors as Kubernetes reads them", () => {
  it.each(["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"])(
    "When %j is parsed (TestSelectorParse good), then it parses and prints back without spaces",
    (text) => {
      expect(selectorString(parseSelector(text))).toBe(selectorString(parseSelector(text.replace(/ /g, ""))));
      expect(parseSelector(text).length).toBe(text === "" ? 0 : text.split(",").length);
    },
  );

  it.each([
    "x=a||y=b",
    "x==a==b",
    "!x=a",
    "x<a",
    "x,,y",
    ",x,y",
    "x nott in (y)",
    "a in (xyz),",
    "a in (xyz)b notin ()",
    "a in (xyz abc)",
    "a notin(",
    "a (",
    "(",
  ])("When %j is parsed (TestSelectorParse / TestSetSelectorParser bad), then it is refused with a message naming the selector", (text) => {
    expect(() => parseSelector(text)).toThrow(/^label selector /);
  });

  it.each([
    ["\rx", [{ key: "x", operator: "exists", values: [] }]],
    ["this-is-a-dns.domain.com/key-with-dash", [{ key: "this-is-a-dns.domain.com/key-with-dash", operator: "exists", values: [] }]],
    ["this-is-another-dns.domain.com/key-with-dash in (so,what)", [{ key: "this-is-another-dns.domain.com/key-with-dash", operator: "in", values: ["so", "what"] }]],
    ["0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", [{ key: "0.1.2.domain/99", operator: "notin", values: ["10.10.100.1", "tick.tack.clock"] }]],
    ["foo  in\t (abc)", [{ key: "foo", operator: "in", values: ["abc"] }]],
    ["x notin\n (abc)", [{ key: "x", operator: "notin", values: ["abc"] }]],
    ["x in (abc,)", [{ key: "x", operator: "in", values: ["abc", ""] }]],
    ["x in (abc,abc)", [{ key: "x", operator: "in", values: ["abc"] }]],
    ["x in ()", [{ key: "x", operator: "in", values: [""] }]],
    ["x in (a,,)", [{ key: "x", operator: "in", values: ["a", ""] }]],
    ["x in (a,,,,,,)", [{ key: "x", operator: "in", values: ["a", ""] }]],
    ["x in (a,,a,,a,,a,,)", [{ key: "x", operator: "in", values: ["a", ""] }]],
    ["x notin ( )", [{ key: "x", operator: "notin", values: [""] }]],
    ["x notin (, a)", [{ key: "x", operator: "notin", values: ["", "a"] }]],
    ["a ", [{ key: "a", operator: "exists", values: [] }]],
    ["a in (x,y,notin, z,in)", [{ key: "a", operator: "in", values: ["x", "y", "notin", "z", "in"] }]],
    ["x=a,y!=b,z in (h,i,j)", [{ key: "x", operator: "=", values: ["a"] }, { key: "y", operator: "!=", values: ["b"] }, { key: "z", operator: "in", values: ["h", "i", "j"] }]],
    ["x>1", [{ key: "x", operator: ">", values: ["1"] }]],
  ] as const)("When %j is parsed (TestSetSelectorParser good), then its requirements are the same", (text, want) => {
    const got = parseSelector(text).map((r) => ({ ...r, values: [...r.values].sort() }));
    expect(got).toEqual(want.map((r) => ({ ...r, values: [...r.values].sort() })));
  });

  it.each([
    ["", { x: "y" }, true],
    ["x=y", { x: "y" }, true],
    ["x=y,z=w", { x: "y", z: "w" }, true],
    ["x!=y,z!=w", { x: "z", z: "a" }, true],
    ["notin=in", { notin: "in" }, true],
    ["x", { x: "z" }, true],
    ["!x", { y: "z" }, true],
    ["x>1", { x: "2" }, true],
    ["x<1", { x: "0" }, true],
    ["x=z", {}, false],
    ["x=y", { x: "z" }, false],
    ["x=y,z=w", { x: "w", z: "w" }, false],
    ["x!=y,z!=w", { x: "z", z: "w" }, false],
    ["x", { y: "z" }, false],
    ["!x", { x: "z" }, false],
    ["x>1", { x: "0" }, false],
    ["x<1", { x: "2" }, false],
    ["foo=bar,baz=blah", { foo: "bar", baz: "blah" }, true],
    ["foo=bar,foobar=bar,baz=blah", { foo: "bar", baz: "blah" }, false],
    // TestRequirementSelectorMatching
    ["x in (foo),y notin (alpha)", { x: "foo", y: "baz" }, true],
    ["x in (foo),y in (alpha)", { x: "foo", y: "baz" }, false],
    ["x notin (),y", { y: "" }, true],
    ["!x,y", { y: "" }, true],
    ["x notin (),!y", { y: "" }, false],
    ["x in ()", { y: "baz" }, false],
    ["z>1", { z: "2" }, true],
    ["z>1", { z: "v2" }, false],
  ] as const)("When %j is matched against %j (TestSelectorMatches), then the answer is %s", (text, labels, want) => {
    expect(matchesSelector(parseSelector(text), labels)).toBe(want);
  });

  it("When keys and values break Kubernetes' label rules, then each says what to fix", () => {
    expect(labelKeyError("team")).toBeUndefined();
    expect(labelKeyError("example.com/team")).toBeUndefined();
    expect(labelKeyError("-team")).toMatch(/alphanumeric at both ends/);
    expect(labelKeyError("Example.com/team")).toMatch(/DNS subdomain/);
    expect(labelKeyError("a/b/c")).toMatch(/one "\/"/);
    expect(labelValueError("")).toBeUndefined();
    expect(labelValueError("x".repeat(64))).toMatch(/at most 63/);
    expect(() => parseSelector("team=x".padEnd(80, "y"))).toThrow(/at most 63/);
  });
});
