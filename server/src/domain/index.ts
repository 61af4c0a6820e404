export * from './errors';
export * from './periods';
export * from './lifecycle';
export * from './stacking';
export * from './roles';
export * from './click2sell';
export * from './reminders';
export * from './templates';
