/** Effective price per GPU-hour by model and cloud, next to the inventory's list (catalog) price. */
import type { ReactNode } from 'react';
import { CLOUD_LABELS } from '../../../../shared/domain';
import type { GpuHourPrice } from '../../../../shared/contract-spend';
import { formatMoney } from '../../../../shared/format';

export function GpuPriceTable({ prices }: { prices: readonly GpuHourPrice[] }): ReactNode {
  if (prices.length === 0) return <p className="muted">No billed GPU-hours in this period.</p>;
  return (
    <table className="table spend-table" data-testid="gpu-hour-prices">
      <thead>
        <tr>
          <th scope="col">Cloud</th>
          <th scope="col">GPU model</th>
          <th scope="col" className="num">GPU-hours billed</th>
          <th scope="col" className="num">Effective / GPU-hour</th>
          <th scope="col" className="num">List / GPU-hour</th>
        </tr>
      </thead>
      <tbody>
        {prices.map((p) => (
          <tr key={`${p.cloud}|${p.gpuModel}|${p.currency}`}>
            <td>{CLOUD_LABELS[p.cloud]}</td>
            <td>{p.gpuModel}</td>
            <td className="num">{Number(p.gpuHours).toLocaleString('en-US', { maximumFractionDigits: 1 })}</td>
            <td className="num">{p.effectivePerGpuHour === null ? '—' : formatMoney(p.effectivePerGpuHour, p.currency)}</td>
            <td className="num">{p.listPerGpuHour === null ? '—' : formatMoney(p.listPerGpuHour, p.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
