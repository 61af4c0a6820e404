import { Calendar } from '@strapi/icons';

export const PluginIcon = () => <Calendar />;
