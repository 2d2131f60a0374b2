/**
 * `diffResources`, which the offline plan, the transition report and the transition-safety
 * tests share, on small hand-made resources: what counts as added, removed and changed, and the
 * path of every changed property. What this cannot prove: which of these changes the provider
 * would apply in place and which it would turn into a replacement; `pulumi preview` knows that.
 */
import { expect } from "chai";
import { EvaluatedResource, diffResources, isStateful } from "../tools/resourceDiff";

const RULE = "aws:lb/listenerRule:ListenerRule";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";

function resource(name: string, inputs: Record<string, unknown>, type = RULE): EvaluatedResource {
  return { urn: `urn:pulumi:staging::graasp::${type}::${name}`, type, name, inputs };
}

const hostCondition = { hostHeader: { values: ["api.stage.graasp.org"] } };
const headerCondition = (value: string) => ({
  httpHeader: { httpHeaderName: "x-graasp-maintenance-bypass", values: [value] },
});

describe("diffResources", () => {
  it("reports nothing for identical resources", () => {
    const before = [resource("core-rule-1", { priority: 1, conditions: [hostCondition] })];
    const after = [resource("core-rule-1", { priority: 1, conditions: [hostCondition] })];
    expect(diffResources(before, after)).to.deep.equal([]);
  });

  it("lists changed and added resources in the order of `after`, then removed ones", () => {
    const before = [resource("kept", { priority: 1 }), resource("dropped", { priority: 2 })];
    const after = [resource("kept", { priority: 5 }), resource("new", { priority: 3 })];
    expect(diffResources(before, after)).to.deep.equal([
      {
        urn: after[0].urn,
        type: RULE,
        name: "kept",
        kind: "changed",
        properties: [{ path: "priority", before: 1, after: 5 }],
      },
      { urn: after[1].urn, type: RULE, name: "new", kind: "added", properties: [] },
      { urn: before[1].urn, type: RULE, name: "dropped", kind: "removed", properties: [] },
    ]);
  });

  it("names nested paths with indexes, down to the changed leaf", () => {
    const before = [resource("r", { conditions: [hostCondition, headerCondition("old")] })];
    const after = [resource("r", { conditions: [hostCondition, headerCondition("new")] })];
    expect(diffResources(before, after)[0].properties).to.deep.equal([
      { path: "conditions[1].httpHeader.values[0]", before: "old", after: "new" },
    ]);
  });

  it("reports a list element that appears, and a property that disappears", () => {
    const before = [resource("r", { conditions: [hostCondition], transforms: ["rewrite"] })];
    const after = [resource("r", { conditions: [hostCondition, headerCondition("token")] })];
    expect(diffResources(before, after)[0].properties).to.deep.equal([
      { path: "conditions[1]", before: undefined, after: headerCondition("token") },
      { path: "transforms", before: ["rewrite"], after: undefined },
    ]);
  });

  it("diffs JSON-string properties by content: key order and spacing are no change", () => {
    const definitions = [{ name: "core", image: "registry/graasp:core-v1.66.0", cpu: 0 }];
    const reordered = '[ { "cpu": 0, "image": "registry/graasp:core-v1.66.0", "name": "core" } ]';
    const before = [resource("task", { containerDefinitions: JSON.stringify(definitions) }, TASK)];
    const same = [resource("task", { containerDefinitions: reordered }, TASK)];
    expect(diffResources(before, same)).to.deep.equal([]);

    const upgraded = [{ ...definitions[0], image: "registry/graasp:core-v1.67.0" }];
    const after = [resource("task", { containerDefinitions: JSON.stringify(upgraded) }, TASK)];
    expect(diffResources(before, after)[0].properties).to.deep.equal([
      {
        path: "containerDefinitions[0].image",
        before: "registry/graasp:core-v1.66.0",
        after: "registry/graasp:core-v1.67.0",
      },
    ]);
  });

  it("compares strings that only look like JSON as text", () => {
    const before = [resource("r", { value: "[secret#1]" })];
    const after = [resource("r", { value: "[secret#2]" })];
    expect(diffResources(before, after)[0].properties).to.deep.equal([
      { path: "value", before: "[secret#1]", after: "[secret#2]" },
    ]);
  });

  it("reports a value that changes shape (list to object) as one change at its path", () => {
    const before = [resource("r", { subnets: ["a", "b"] })];
    const after = [resource("r", { subnets: { a: true } })];
    expect(diffResources(before, after)[0].properties).to.deep.equal([
      { path: "subnets", before: ["a", "b"], after: { a: true } },
    ]);
  });
});

describe("isStateful", () => {
  it("holds for data and identity, not for what a state change may touch", () => {
    expect(
      [
        "aws:rds/instance:Instance",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:secretsmanager/secret:Secret",
        "aws:ec2/vpc:Vpc",
        "aws:ecs/service:Service",
        RULE,
        "pulumi-nodejs:dynamic:Resource",
      ].map(isStateful),
    ).to.deep.equal([true, true, true, true, false, false, false]);
  });
});
