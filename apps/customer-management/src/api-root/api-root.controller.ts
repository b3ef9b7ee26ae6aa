import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CUSTOMER_MANAGEMENT_V4 } from '@app/tmf-common';
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
    const base = config.publicBaseUrl;
    this.view = {
      name: 'customerManagement',
      version: '4.0.0',
      href: `${base}${CUSTOMER_MANAGEMENT_V4.root}`,
      resources: [
        { name: 'customer', href: `${base}${CUSTOMER_MANAGEMENT_V4.customer}` },
        { name: 'hub', href: `${base}${CUSTOMER_MANAGEMENT_V4.hub}` },
      ],
      openApi: `${base}/docs-json`,
      documentation: `${base}/docs`,
    };
  }

  @Get()
  @ApiOperation({
    operationId: 'retrieveApiRoot',
    summary: "The API's resources and documentation",
  })
  @ApiOkResponse({
    description: 'The entry points, as absolute URLs',
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        version: { type: 'string' },
        href: { type: 'string' },
        resources: { type: 'array', items: LINK },
        openApi: { type: 'string' },
        documentation: { type: 'string' },
      },
    },
  })
  root(): ApiRootView {
    return this.view;
  }
}
