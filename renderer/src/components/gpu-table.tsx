/** The GPUs of one machine, one row each with its state. */
import type { ReactNode } from 'react';
import type { GpuDetail } from '../../../shared/contract';
import { formatPercent } from '../../../shared/format';
import { formatUtcDateTime } from '../lib/time';
import { StateTag } from './gpu-states';

/** A plain table (a machine has at most a few dozen GPUs). */
export function GpuTable({ gpus }: { gpus: readonly GpuDetail[] }): ReactNode {
  return (
    <div className="table-scroll table-scroll--auto">
      <table className="data-table" data-testid="gpu-table">
        <caption className="visually-hidden">GPUs on this machine</caption>
        <thead>
          <tr>
            <th scope="col">GPU</th>
            <th scope="col">UUID</th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              Util 30m
            </th>
            <th scope="col" className="num">
              XID errors 30m
            </th>
            <th scope="col">Last sample</th>
          </tr>
        </thead>
        <tbody>
          {gpus.map((g) => (
            <tr key={g.index} data-testid="gpu-row" data-gpu-state={g.state}>
              <th scope="row">#{g.index}</th>
              <td className="mono">{g.uuid ?? '—'}</td>
              <td>
                <StateTag state={g.state} />
              </td>
              <td className="num">{formatPercent(g.utilisation30m)}</td>
              <td className="num">{g.xidErrors30m}</td>
              <td>{g.lastSampleAt === null ? 'never' : <time dateTime={g.lastSampleAt}>{formatUtcDateTime(g.lastSampleAt)}</time>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
