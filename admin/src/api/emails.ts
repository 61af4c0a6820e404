import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath } from './client';
import type { EmailTemplate, TemplatePreviewInput, TemplatePreviewResponse, TestEmailResponse } from './contract';

/** The e-mail tools of the settings page: a template's preview, and "send me a test". */

export const useEmailActions = () => {
  const { post } = useFetchClient();
  return {
    /** The template rendered with sample values. */
    preview: async (input: TemplatePreviewInput): Promise<EmailTemplate> =>
      (await post<TemplatePreviewResponse>(apiPath('/settings/preview'), input)).data.data,
    /** Sends the rendered template to the signed-in admin; answers their address. */
    sendTest: async (input: TemplatePreviewInput): Promise<string> =>
      (await post<TestEmailResponse>(apiPath('/settings/test-email'), input)).data.data.to,
  };
};
