/** Names and settings from the infrastructure spec (shared/seeds: "Gen3D - AWS Resources v1.0"). */
export const SEED = {
  region: 'us-east-1',
  dataBucketName: 'gen3d-data-bucket',
  modelBucketName: 'gen3d-model-bucket',
  adminEmail: 'info@2112-lab.com',
  sourceEmail: 'noreply@genesis3d.com',
  tags: {
    Project: 'Gen3D',
    Environment: 'Production',
    // The seed says Terraform; this code base deploys with the AWS CDK (docs/decisions/0002).
    ManagedBy: 'AWS-CDK',
    CostCenter: 'Genesis3D',
    Owner: 'info@2112-lab.com',
  },
} as const;
