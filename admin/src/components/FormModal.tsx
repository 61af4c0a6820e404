import * as React from 'react';
import { Modal } from '@strapi/design-system';
import { ModalFooter } from './ModalFooter';

interface Props {
  title: string;
  /** The action's label, and what it does (the modal closes itself only by `onClose`). */
  action: string;
  onAction: () => void;
  /** Closed without the action: back, Escape, or a click outside. */
  onClose: () => void;
  children: React.ReactNode;
}

/** An open modal holding a small form: its title, its fields, then back and the action. */
export const FormModal = ({ title, action, onAction, onClose, children }: Props) => (
  <Modal.Root open onOpenChange={(open) => !open && onClose()}>
    <Modal.Content>
      <Modal.Header>
        <Modal.Title>{title}</Modal.Title>
      </Modal.Header>
      <Modal.Body>{children}</Modal.Body>
      <ModalFooter action={action} onAction={onAction} />
    </Modal.Content>
  </Modal.Root>
);
