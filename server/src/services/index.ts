import clock from './clock';
import settings from './settings';
import roles from './roles';
import subscriptions from './subscriptions';
import memberChanges from './member-changes';
import members from './members';
import click2sell from './click2sell';
import messages from './messages';
import scheduler from './scheduler';
import tracking from './tracking';
import logs from './logs';
import offerAdmin from './offer-admin';
import safeMode from './safe-mode';
import health from './health';
import history from './history';
import deletedMembers from './deleted-members';
import selfService from './self-service';
import importService from './import';

const services = {
  clock,
  settings,
  roles,
  subscriptions,
  memberChanges,
  members,
  click2sell,
  messages,
  scheduler,
  tracking,
  logs,
  offerAdmin,
  safeMode,
  health,
  history,
  deletedMembers,
  selfService,
  import: importService,
};

export type ServiceMap = typeof services;
export default services;
