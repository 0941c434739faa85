/** The application menu: standard roles plus the few Fleetpane actions. */
import { Menu, type MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  syncNow: () => void;
  openDataFolder: () => void;
}

/** Builds and installs the app menu. */
export function installAppMenu(actions: MenuActions): void {
  const isMac = process.platform === 'darwin';
  const fleetMenu: MenuItemConstructorOptions = {
    label: 'Fleet',
    submenu: [
      { label: 'Sync Now', accelerator: 'CmdOrCtrl+Shift+R', click: actions.syncNow },
      { type: 'separator' },
      { label: 'Open Data Folder', click: actions.openDataFolder },
    ],
  };
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : [{ role: 'fileMenu' } as MenuItemConstructorOptions]),
    { role: 'editMenu' },
    fleetMenu,
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
