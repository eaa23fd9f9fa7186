import { Model, snakeCaseMappers } from 'objection';
import type { Role } from '../identity/roles';

export class UserModel extends Model {
  id!: string;
  name!: string;
  role!: Role;
  createdAt!: Date;
  updatedAt!: Date;

  static override tableName = 'users';
  static override get columnNameMappers() {
    return snakeCaseMappers();
  }
}
