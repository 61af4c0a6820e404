import fc from 'fast-check';
import { readCsv, csvCell, uncell, CsvError } from '../../server/src/utils/csv';
import { csvParts } from '../../admin/src/utils/csv-parts';

/** The CSV reader of the import (server) and the splitter of the admin page, on the same inputs. */
const read = async (chunks: (string | Buffer)[]) => {
  async function* source() {
    yield* chunks;
  }
  const out: string[][] = [];
  for await (const r of readCsv(source())) out.push(r.cells);
  return out;
};

describe('readCsv', () => {
  it('reads quoted cells with commas, quotes and line breaks, CRLF or LF, and a BOM', async () => {
    expect(await read(['\uFEFFa,b\r\n"x, y","say ""hi""\nthere"\r\n', ',\n'])).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
      ['', ''],
    ]);
  });

  it('gives the same records whatever the chunks, bytes cut inside a UTF-8 character included', async () => {
    const text = 'email,name\n"é@x.test","Zoë, ""Z"""\nü@x.test,naïve\n';
    const whole = await read([text]);
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut += 1) {
      expect(await read([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
    }
    expect(whole[1]).toEqual(['é@x.test', 'Zoë, "Z"']);
  });

  it('refuses a quoted cell never closed and text after a closing quote', async () => {
    await expect(read(['a\n"open,b\n'])).rejects.toBeInstanceOf(CsvError);
    await expect(read(['"a"b\n'])).rejects.toBeInstanceOf(CsvError);
  });

  it('reads back what csvCell writes, formulas defused then restored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), async (rows) => {
        const text = rows.map((r) => r.map(csvCell).join(',') + '\r\n').join('');
        const back = (await read([text])).map((r) => r.map(uncell));
        expect(back).toEqual(rows.map((r) => r.map((c) => (/^'[=+\-@\t\r]/.test(c) ? c.slice(1) : c))));
      })
    );
  });
});

describe('csvParts (admin)', () => {
  it('cuts between records only, repeats the header and numbers the rows', async () => {
    const text = 'email,name\na@x.test,"two\nlines"\nb@x.test,b\nc@x.test,c\n';
    const parts = [];
    for await (const p of csvParts(new Blob([text]), { maxRows: 2 })) parts.push(p);
    expect(parts.map((p) => [p.firstRow, p.rows])).toEqual([
      [1, 2],
      [3, 1],
    ]);
    expect(await read([parts[0].text])).toEqual([
      ['email', 'name'],
      ['a@x.test', 'two\nlines'],
      ['b@x.test', 'b'],
    ]);
    expect(await read([parts[1].text])).toEqual([
      ['email', 'name'],
      ['c@x.test', 'c'],
    ]);
    expect(parts[1].bytesRead).toBe(Buffer.byteLength(text));
  });
});
