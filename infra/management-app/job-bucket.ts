import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { needsApis } from "../project-apis";

export interface JobBucketArgs {
  location: string;
  /** Jobs' files are deleted this many days after they were written. */
  retentionDays: number;
  labels: Record<string, string>;
  /** Dev stacks let `pulumi destroy` empty the bucket; prod keeps it. */
  forceDestroy: boolean;
}

/** The shared storage of job files: private, uniform access, expiring old jobs. */
export class JobBucket extends pulumi.ComponentResource {
  readonly bucket: gcp.storage.Bucket;

  constructor(name: string, args: JobBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:JobBucket", name, {}, opts);
    if (args.retentionDays < 1) throw new pulumi.ResourceError("retentionDays must be at least 1", this);
    this.bucket = new gcp.storage.Bucket(
      `${name}-jobs`,
      {
        location: args.location,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: false },
        forceDestroy: args.forceDestroy,
        labels: args.labels,
        lifecycleRules: [{ action: { type: "Delete" }, condition: { age: args.retentionDays } }],
      },
      { parent: this, dependsOn: needsApis("storage.googleapis.com") },
    );
    this.registerOutputs({ bucket: this.bucket.name });
  }
}
