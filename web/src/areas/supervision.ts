// The supervisor's pages (司法局): warnings, complaints, callbacks, orders, review rounds,
// scorecards, statistics, draws and problems.
import type { Area } from './types';

export const supervision: Area = {
  routes: [],
  menu: [],
};
