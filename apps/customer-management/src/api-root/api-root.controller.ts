import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CUSTOMER_MANAGEMENT_V4, CUSTOMER_MANAGEMENT_V5 } from '@app/tmf-common';
import { Public } from '@server/auth/public.decorator';
import { AppConfig } from '@server/config/app-config';

/** What `GET /tmf-api/customerManagement/v4` answers: where the API's resources and docs are. */
export interface ApiRootView {
  name: string;
  version: string;
  href: string;
  resources: { name: string; href: string }[];
  openApi: string;
  documentation: string;
}

const LINK = { type: 'object', properties: { name: { type: 'string' }, href: { type: 'string' } } };
const ROOT_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    href: { type: 'string' },
    resources: { type: 'array', items: LINK },
    openApi: { type: 'string' },
    documentation: { type: 'string' },
  },
};

function rootView(
  base: string,
  version: string,
  paths: { root: string; customer: string; hub: string },
  openApi: string,
): ApiRootView {
  return {
    name: 'customerManagement',
    version,
    href: `${base}${paths.root}`,
    resources: [
      { name: 'customer', href: `${base}${paths.customer}` },
      { name: 'hub', href: `${base}${paths.hub}` },
    ],
    openApi: `${base}${openApi}`,
    documentation: `${base}/docs`,
  };
}

/**
 * The API root answers 2xx with its entry points: gateways and the ODA component test kit probe
 * each exposed API's root URL. Public, like /docs: it names paths, never data.
 */
@ApiTags('API root')
@Public()
@Controller(CUSTOMER_MANAGEMENT_V4.root.slice(1))
export class ApiRootController {
  private readonly view: ApiRootView;

  constructor(config: AppConfig) {
    this.view = rootView(config.publicBaseUrl, '4.0.0', CUSTOMER_MANAGEMENT_V4, '/docs-json');
  }

  @Get()
  @ApiOperation({
    operationId: 'retrieveApiRoot',
    summary: "The API's resources and documentation",
  })
  @ApiOkResponse({ description: 'The entry points, as absolute URLs', schema: ROOT_SCHEMA })
  root(): ApiRootView {
    return this.view;
  }
}

/** The same for TMF629 v5, at both of its roots (docs/v5.md). */
@Public()
@Controller([CUSTOMER_MANAGEMENT_V5.root.slice(1), CUSTOMER_MANAGEMENT_V5.alias.slice(1)])
export class ApiRootV5Controller {
  private readonly view: ApiRootView;

  constructor(config: AppConfig) {
    this.view = rootView(config.publicBaseUrl, '5.0.1', CUSTOMER_MANAGEMENT_V5, '/docs/v5-json');
  }

  @Get()
  @ApiOperation({
    operationId: 'retrieveApiRoot',
    summary: "The API's resources and documentation",
  })
  @ApiOkResponse({ description: 'The entry points, as absolute URLs', schema: ROOT_SCHEMA })
  root(): ApiRootView {
    return this.view;
  }
}
