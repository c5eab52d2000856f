import type { StackProps } from 'aws-cdk-lib';
import type { Names } from '../names';
import type { Settings } from '../settings';

/** What every Gen3D stack is given: the resource names of its stage and the deployment's settings. */
export interface Gen3DStackProps extends StackProps {
  readonly names: Names;
  readonly settings: Settings;
}
