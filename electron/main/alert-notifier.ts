/**
 * Desktop side of alerts: a notification per alert raised outside quiet hours (a click opens its
 * incident) and the count of firing alerts on the tray and the dock/taskbar badge. Thin: the rules,
 * quiet hours and bookkeeping live in the backend (analytics/alerts.ts).
 */
import { Notification, app } from 'electron';
import type { AppEvent } from '../../shared/contract';

export interface AlertNotifierActions {
  /** Shows the window at a hash route, e.g. #/incident/<id>. */
  openRoute(hash: string): void;
  /** Shows the number of firing alerts on the tray. */
  setFiringAlerts(firing: number): void;
}

/** Handles the alert events of the backend; other events are ignored. */
export function handleAlertEvent(event: AppEvent, actions: AlertNotifierActions): void {
  if (event.type === 'alerts-changed') {
    actions.setFiringAlerts(event.firing);
    // Dock badge on macOS, launcher count on Linux (Unity); a no-op elsewhere.
    app.setBadgeCount(event.firing);
    return;
  }
  if (event.type !== 'alert-raised' || !event.alert.notified || !Notification.isSupported()) return;
  const { alert } = event;
  const notification = new Notification({ title: `Fleetpane: ${alert.title}`, body: alert.body, silent: false });
  notification.on('click', () => actions.openRoute(alert.incidentId === null ? '#/triage' : `#/incident/${encodeURIComponent(alert.incidentId)}`));
  notification.show();
}
