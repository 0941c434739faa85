import { describe, expect, it } from 'vitest';
import { userDataDir } from './paths';

describe('userDataDir', () => {
  it('follows each OS convention', () => {
    expect(userDataDir({ platform: 'win32', env: { APPDATA: 'C:\\Users\\sre\\AppData\\Roaming' }, home: 'C:\\Users\\sre' })).toBe(
      'C:\\Users\\sre\\AppData\\Roaming\\Fleetpane',
    );
    expect(userDataDir({ platform: 'win32', env: {}, home: 'C:\\Users\\sre' })).toBe('C:\\Users\\sre\\AppData\\Roaming\\Fleetpane');
    expect(userDataDir({ platform: 'darwin', env: {}, home: '/Users/sre' })).toBe('/Users/sre/Library/Application Support/Fleetpane');
    expect(userDataDir({ platform: 'linux', env: { XDG_CONFIG_HOME: '/cfg' }, home: '/home/sre' })).toBe('/cfg/Fleetpane');
    expect(userDataDir({ platform: 'linux', env: {}, home: '/home/sre' })).toBe('/home/sre/.config/Fleetpane');
    // A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
    expect(userDataDir({ platform: 'linux', env: { XDG_CONFIG_HOME: 'cfg' }, home: '/home/sre' })).toBe('/home/sre/.config/Fleetpane');
  });
});
