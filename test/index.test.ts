/*
 * The program as the Pulumi engine runs it: `index.ts` imported under the mocks with the
 * stack's configuration in the engine's own store. What this cannot prove: that the CLI fills
 * the store exactly like this from Pulumi.<stack>.yaml (the offline plan reads those files).
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as path from "path";
import { SECRET_CONFIG_KEYS, engineConfig } from "./fixtures";
import { evaluate, promiseOf, registered } from "./mocks";

const INDEX = path.join(__dirname, "..", "index.ts");

function loadProgram(config: Record<string, string>, stack: string) {
  return evaluate(stack, () => {
    pulumi.runtime.setAllConfig(config, [...SECRET_CONFIG_KEYS]);
    delete require.cache[require.resolve(INDEX)];
    return require(INDEX) as Record<string, any>;
  });
}

describe("index.ts under the engine's configuration", function () {
  this.timeout(20_000);
  after(() => pulumi.runtime.setAllConfig({}));

  it("builds the whole stack and exports exactly the documented outputs", async () => {
    const { result: stackExports } = await loadProgram(
      engineConfig("production", "restricted"),
      "production",
    );
    expect(Object.keys(stackExports).sort()).to.deep.equal([
      "apiUrl",
      "databaseEndpoint",
      "deploymentState",
      "environment",
      "loadBalancerDnsName",
      "maintenance",
      "services",
      "toolbox",
      "url",
    ]);
    expect(stackExports.deploymentState).to.equal("restricted");
    expect(stackExports.environment).to.equal("production");
    expect(stackExports.url).to.equal("https://graasp.org");
    expect(stackExports.apiUrl).to.equal("https://api.graasp.org");
    expect(stackExports.maintenance).to.equal(true);
    expect(stackExports.services.core).to.equal(2);
    expect(await promiseOf(stackExports.databaseEndpoint)).to.equal(
      "graasp-production.c9akciq32.eu-central-2.rds.amazonaws.com:5432",
    );
    expect(registered().filter((r) => r.type === "aws:ecs/service:Service")).to.have.length(9);
  });

  it("refuses a bad configuration with one error and registers nothing", async () => {
    const config = {
      ...engineConfig("staging", "running"),
      "graasp:deploymentState": "paused",
      "graasp:appVersion": "latest",
    };
    delete (config as Record<string, string>)["graasp:domain"];
    let error: Error | undefined;
    await loadProgram(config, "staging").catch((caught: Error) => (error = caught));
    expect(error?.message).to.equal(
      'Invalid configuration for stack "staging" (3 problems):\n' +
        '  - `graasp:deploymentState` is "paused", which is not a deployment state. Fix: pulumi config set -s staging deploymentState <running|restricted|db-only|stopped>\n' +
        "  - `graasp:domain` is not set. Fix: pulumi config set -s staging domain <apex domain, e.g. example.org>\n" +
        '  - `graasp:appVersion` is "latest", a floating tag that moves under running services. Fix: pulumi config set -s staging appVersion v1.66.0',
    );
    expect(registered()).to.deep.equal([]);
  });
});
