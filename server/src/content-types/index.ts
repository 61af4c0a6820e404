import offer from './offer/schema.json';
import subscription from './subscription/schema.json';
import notificationRule from './notification-rule/schema.json';
import paymentEvent from './payment-event/schema.json';
import message from './message/schema.json';
import schedulerRun from './scheduler-run/schema.json';

export const UID = {
  offer: 'plugin::subscriptions.offer',
  subscription: 'plugin::subscriptions.subscription',
  notificationRule: 'plugin::subscriptions.notification-rule',
  paymentEvent: 'plugin::subscriptions.payment-event',
  message: 'plugin::subscriptions.message',
  schedulerRun: 'plugin::subscriptions.scheduler-run',
  user: 'plugin::users-permissions.user',
  role: 'plugin::users-permissions.role',
} as const;

export default {
  offer: { schema: offer },
  subscription: { schema: subscription },
  'notification-rule': { schema: notificationRule },
  'payment-event': { schema: paymentEvent },
  message: { schema: message },
  'scheduler-run': { schema: schedulerRun },
};
