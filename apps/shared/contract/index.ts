/** The contract shared by apps/ and infra/: change it here and both sides follow. */
export * from "./job";
export * from "./usage";
export * from "./events";
export * from "./topology";
export * from "./event-flow";
export * from "./service-config";
export * from "./platform";
export * from "./api";
export * from "./console";
export * from "./applier-access";
export * from "./kube-limits";
export * from "./job-limits";
export * from "./problem-limits";
export * from "./stream-limits";
