export * from './errors';
export * from './ids';
export * from './event-key';
export * from './keys';
export { MAX_KEY_BYTES, MAX_NAME_LENGTH } from './segments';
export {
  matchesNotificationRule,
  matchNotificationRule,
  NOTIFICATION_RULES,
  OBJECT_CREATED_EVENT,
  overlappingNotificationRules,
  type NotificationRule,
  type NotificationTarget,
} from './notification-rules';
