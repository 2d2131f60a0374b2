/**
 * Graasp's guardrails as a Pulumi policy pack: `pulumi preview --policy-pack policy`.
 * The policies live in `rules.ts` so that tests can run them without starting a pack server.
 */
import { PolicyPack } from "@pulumi/policy";
import { GRAASP_POLICIES } from "./rules";

new PolicyPack("graasp-guardrails", { policies: [...GRAASP_POLICIES] });
