/**
 * The tray icon: shows how many incidents are active on the fleet (overview totals.incidents.active)
 * and opens the window. The count comes from the backend; the tray never reads the store itself.
 */
import { Menu, Tray, nativeImage, type NativeImage } from 'electron';

// A ring-and-dot mark drawn in black on transparent, so macOS can tint it as a template image.
const ICON_16 = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAQElEQVR42mNgoCH4j4bJ1kiSQfgUEjSEGFvwqiHWr1jVEXI2QXFsCvEFHn0MIFmcokCkSjRSnJCokpSpkplIAgCF1VOtZinhUQAAAABJRU5ErkJggg==';
const ICON_32 = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAAdUlEQVR42u1XWw4AIAjy/pe2I1QKQlts/hmy+Szi4zHkockCU4Rk06iBK75tAax3W5IxDmQeS1zoSr7iywEBiVJL8T11vK10qIBKv5cEBFBAPClAngLbIhxtw/FBJB/FFstIvo4tDhKLk0x+lNqc5RYfkw8aFuvERsilMrQCAAAAAElFTkSuQmCC';

function trayImage(): NativeImage {
  const image = nativeImage.createFromDataURL(ICON_16);
  image.addRepresentation({ scaleFactor: 2, dataURL: ICON_32 });
  if (process.platform === 'darwin') image.setTemplateImage(true);
  return image;
}

/** The line shown beside or under the icon. */
export function incidentLabel(active: number | null): string {
  if (active === null) return 'Fleetpane: incidents not known yet';
  if (active === 0) return 'Fleetpane: no active incidents';
  return `Fleetpane: ${active} active incident${active === 1 ? '' : 's'}`;
}

export interface FleetTray {
  setActiveIncidents(active: number | null): void;
  /** Firing alerts (the badge beside the icon). */
  setFiringAlerts(firing: number): void;
  destroy(): void;
}

/** Creates the tray icon with its menu. */
export function createTray(actions: { show: () => void; syncNow: () => void; quit: () => void }): FleetTray {
  const tray = new Tray(trayImage());
  let current: number | null = null;
  let alerts = 0;
  const render = () => {
    const label = `${incidentLabel(current)}${alerts > 0 ? `, ${alerts} alert${alerts === 1 ? '' : 's'} firing` : ''}`;
    tray.setToolTip(label);
    // macOS shows a title beside the icon; elsewhere the tooltip carries the count.
    if (process.platform === 'darwin') tray.setTitle(alerts > 0 ? `${alerts}!` : current && current > 0 ? String(current) : '');
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label, enabled: false },
        { type: 'separator' },
        { label: 'Open Fleetpane', click: actions.show },
        { label: 'Sync now', click: actions.syncNow },
        { type: 'separator' },
        { label: 'Quit Fleetpane', click: actions.quit },
      ]),
    );
  };
  tray.on('click', actions.show);
  render();
  return {
    setActiveIncidents(active) {
      if (active === current) return;
      current = active;
      render();
    },
    setFiringAlerts(firing) {
      if (firing === alerts) return;
      alerts = firing;
      render();
    },
    destroy: () => tray.destroy(),
  };
}
