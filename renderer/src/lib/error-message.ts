/** The message the renderer shows for a failed query or write. */
import { ApiError } from '../../../shared/contract';

/** The ApiError's own words (the backend wrote them for the user), else the error's message. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
