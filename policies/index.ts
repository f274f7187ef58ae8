/** The pack `pulumi preview --policy-pack policies` runs (in PR checks too). */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, PACK_POLICIES } from "./rules/pack-policies";

new PolicyPack(PACK_NAME, { enforcementLevel: "mandatory", policies: PACK_POLICIES });
