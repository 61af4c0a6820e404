import { Button, Modal } from '@strapi/design-system';
import { useT } from '../utils/translate';

/** A form modal's footer: back (closes it, nothing saved) and the form's action. */
export const ModalFooter = ({ action, onAction }: { action: string; onAction: () => void }) => {
  const t = useT();
  return (
    <Modal.Footer>
      <Modal.Close>
        <Button variant="tertiary">{t('action.back')}</Button>
      </Modal.Close>
      <Button onClick={onAction}>{action}</Button>
    </Modal.Footer>
  );
};
