import * as React from 'react';
import { Alert, Badge, Box, Button, Checkbox, Flex, ProgressBar, Typography } from '@strapi/design-system';
import { Layouts, Page, useNotification } from '@strapi/strapi/admin';
import { useImportPart } from '../../api/import';
import { errorsOf } from '../../api/client';
import type { ImportAction, ImportRowResult, ImportSummary } from '../../api/contract';
import { PagedTable } from '../../components/PagedTable';
import { PERMISSIONS } from '../../permissions';
import { csvParts, refusedReport } from '../../utils/csv-parts';
import { msg, useT } from '../../utils/translate';

const ACTION_LABELS: Record<string, string> = {
  create: msg('import.action.create'),
  extend: msg('import.action.extend'),
  duplicate: msg('import.action.duplicate'),
  error: msg('import.action.error'),
} satisfies Record<ImportAction, string>;

const ACTION_COLORS: Record<string, string> = { create: 'success100', extend: 'primary100', duplicate: 'neutral150', error: 'danger100' };

/** Rows the page lists (the counts cover every row; the report holds every refused row). */
const SHOWN = 500;

type Totals = Omit<ImportSummary, 'rows' | 'refusedRows' | 'truncated'>;
const ZERO: Totals = { dryRun: true, total: 0, created: 0, extended: 0, duplicates: 0, usersCreated: 0, refused: 0 };

/**
 * Import subscriptions from CSV: pick a file, see what a dry run would do row by row, then apply
 * it. The file is sent in parts (a progress bar follows them); the refused rows can be downloaded
 * as CSV with the column at fault and why.
 */
export const ImportPage = () => {
  const t = useT();
  const { toggleNotification } = useNotification();
  const importPart = useImportPart();
  const [file, setFile] = React.useState<File | null>(null);
  const [sendWelcome, setSendWelcome] = React.useState(false);
  const [running, setRunning] = React.useState<'dry' | 'apply' | null>(null);
  const [progress, setProgress] = React.useState(0);
  const [totals, setTotals] = React.useState<Totals | null>(null);
  const [rows, setRows] = React.useState<ImportRowResult[]>([]);
  const [refused, setRefused] = React.useState<ImportRowResult[]>([]);
  /** The file a dry run has gone through: applying is offered for it only. */
  const [checked, setChecked] = React.useState<File | null>(null);
  const [failed, setFailed] = React.useState<string | null>(null);

  const run = async (dryRun: boolean) => {
    if (!file) return;
    setRunning(dryRun ? 'dry' : 'apply');
    setProgress(0);
    setFailed(null);
    const sum: Totals = { ...ZERO, dryRun };
    const shown: ImportRowResult[] = [];
    const bad: ImportRowResult[] = [];
    setTotals(sum);
    setRows([]);
    setRefused([]);
    try {
      for await (const part of csvParts(file)) {
        const summary = await importPart(part.text, { dryRun, sendWelcome, firstRow: part.firstRow });
        for (const key of ['total', 'created', 'extended', 'duplicates', 'usersCreated', 'refused'] as const) sum[key] += summary[key];
        shown.push(...summary.rows.slice(0, Math.max(0, SHOWN - shown.length)));
        bad.push(...summary.refusedRows);
        setTotals({ ...sum });
        setRows([...shown]);
        setRefused([...bad]);
        setProgress(Math.min(100, Math.round((part.bytesRead / Math.max(1, file.size)) * 100)));
      }
      setProgress(100);
      setChecked(dryRun ? file : null);
      toggleNotification({ type: 'success', message: t(dryRun ? 'import.dryRunDone' : 'import.applied', { total: sum.total }) });
    } catch (error) {
      const message = errorsOf(error).message;
      setFailed(message);
      toggleNotification({ type: 'danger', message });
    } finally {
      setRunning(null);
    }
  };

  const download = () => {
    const url = URL.createObjectURL(new Blob([refusedReport(refused)], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'import-refused-rows.csv';
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <Page.Protect permissions={PERMISSIONS.subscribers}>
      <Page.Main>
        <Page.Title>{t('import.title')}</Page.Title>
        <Layouts.Header title={t('import.title')} subtitle={t('import.subtitle')} />
        <Layouts.Content>
          <Flex direction="column" alignItems="stretch" gap={4}>
            <Box background="neutral0" padding={4} hasRadius shadow="tableShadow">
              <Flex direction="column" alignItems="flex-start" gap={3}>
                <Typography variant="omega">{t('import.columns')}</Typography>
                <input
                  type="file"
                  accept=".csv,text/csv"
                  data-testid="import-file"
                  aria-label={t('import.file')}
                  onChange={(e) => {
                    setFile(e.target.files?.[0] ?? null);
                    setChecked(null);
                    setTotals(null);
                    setRows([]);
                    setRefused([]);
                  }}
                />
                <Checkbox checked={sendWelcome} onCheckedChange={(value) => setSendWelcome(value === true)}>
                  {t('import.sendWelcome')}
                </Checkbox>
                <Flex gap={2}>
                  <Button variant="secondary" disabled={!file || running !== null} loading={running === 'dry'} onClick={() => run(true)}>
                    {t('import.dryRun')}
                  </Button>
                  <Button disabled={!file || checked !== file || running !== null} loading={running === 'apply'} onClick={() => run(false)}>
                    {t('import.apply')}
                  </Button>
                </Flex>
                {file && checked !== file && running === null && (
                  <Typography variant="pi" textColor="neutral600">
                    {t('import.dryRunFirst')}
                  </Typography>
                )}
              </Flex>
            </Box>
            {(running !== null || totals) && (
              <Box>
                <ProgressBar value={progress} aria-label={t('import.progress')} />
                <Typography variant="pi">{t('import.progressLabel', { percent: progress })}</Typography>
              </Box>
            )}
            {failed && (
              <Alert variant="danger" closeLabel={t('action.clear')} title={t('import.failed')} onClose={() => setFailed(null)}>
                {failed}
              </Alert>
            )}
            {totals && (
              <Flex gap={4} wrap="wrap" data-testid="import-totals">
                <Typography fontWeight="bold">{t(totals.dryRun ? 'import.wouldDo' : 'import.done')}</Typography>
                <Typography>{t('import.total', { count: totals.total })}</Typography>
                <Typography>{t('import.created', { count: totals.created })}</Typography>
                <Typography>{t('import.extended', { count: totals.extended })}</Typography>
                <Typography>{t('import.duplicates', { count: totals.duplicates })}</Typography>
                <Typography>{t('import.usersCreated', { count: totals.usersCreated })}</Typography>
                <Typography textColor={totals.refused ? 'danger600' : undefined}>{t('import.refused', { count: totals.refused })}</Typography>
                {refused.length > 0 && (
                  <Button variant="tertiary" onClick={download}>
                    {t('import.downloadRefused')}
                  </Button>
                )}
              </Flex>
            )}
            {rows.length > 0 && (
              <PagedTable<ImportRowResult>
                rows={rows}
                rowKey={(r) => r.row}
                rowTestId="import-row"
                columns={[
                  { label: t('import.column.row'), cell: (r) => <Typography>{r.row}</Typography> },
                  { label: t('import.column.email'), cell: (r) => <Typography>{r.email ?? ''}</Typography> },
                  { label: t('import.column.offer'), cell: (r) => <Typography>{r.offer ?? ''}</Typography> },
                  {
                    label: t('import.column.action'),
                    cell: (r) => (
                      <Flex gap={2}>
                        <Badge backgroundColor={ACTION_COLORS[r.action]}>{t(ACTION_LABELS[r.action])}</Badge>
                        {r.userCreated && <Badge>{t('import.newMember')}</Badge>}
                      </Flex>
                    ),
                  },
                  {
                    label: t('import.column.error'),
                    cell: (r) => (r.error ? <Typography textColor="danger600">{r.error}</Typography> : null),
                  },
                ]}
              />
            )}
            {totals && totals.total > rows.length && rows.length > 0 && (
              <Typography variant="pi" textColor="neutral600">
                {t('import.truncated', { shown: rows.length, total: totals.total })}
              </Typography>
            )}
          </Flex>
        </Layouts.Content>
      </Page.Main>
    </Page.Protect>
  );
};
