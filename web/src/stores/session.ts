// The session: the access token lives in memory only, so nothing a script could read survives
// a reload; the refresh token is an httpOnly cookie the server sets on its refresh path.
import { reactive } from 'vue';

export interface Me {
  id: string;
  username: string;
  name: string;
  roles: string[];
  agency_id?: string;
}

export const session = reactive({
  accessToken: '' as string,
  me: null as Me | null,
  // mustChange: signed in with a one-time password, which must be changed before anything else.
  mustChange: false,
  expiredAt: 0,
  expired() {
    this.accessToken = '';
    this.me = null;
    this.mustChange = false;
    this.expiredAt = Date.now();
  },
  has(role: string): boolean {
    return !!this.me?.roles.includes(role);
  },
});
