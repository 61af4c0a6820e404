import * as React from 'react';
import { useNotification } from '@strapi/strapi/admin';
import { errorsOf } from '../api/client';

/**
 * A form that saves to the server: `submit` runs the save and says `success` in a notice; a
 * refusal shows each field's error next to it (`errors`) and the server's message in a notice.
 */
export const useFormSubmit = () => {
  const { toggleNotification } = useNotification();
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  /** True when the save worked. */
  const submit = async <R,>(save: () => Promise<R>, success: (result: R) => string): Promise<boolean> => {
    try {
      const result = await save();
      toggleNotification({ type: 'success', message: success(result) });
      return true;
    } catch (error) {
      const { fields, message } = errorsOf(error);
      setErrors(fields);
      toggleNotification({ type: 'danger', message });
      return false;
    }
  };
  return { errors, setErrors, submit };
};
