import { describe, expect, it } from 'vitest';
import { compareRoutePrecedence, RouteTemplate } from '../../local/host/routeTemplate';

describe('RouteTemplate', () => {
    it('matches literals case-insensitively and captures parameters', () => {
        const route = new RouteTemplate('datasets/{dataset}/tables/{table}/rows');
        expect(route.match('Datasets/Sales/TABLES/Product/rows')).toEqual({ dataset: 'Sales', table: 'Product' });
        expect(route.match('datasets/Sales/tables/Product')).toBeUndefined();
        expect(route.match('datasets/Sales/tables/Product/rows/extra')).toBeUndefined();
    });

    it('URL-decodes parameter values', () => {
        expect(new RouteTemplate('items/{name}').match('items/a%20b%2Fc')).toEqual({ name: 'a b/c' });
    });

    it('handles optional parameters and defaults', () => {
        const optional = new RouteTemplate('products/{category}/{id?}');
        expect(optional.match('products/toys')).toEqual({ category: 'toys' });
        expect(optional.match('products/toys/7')).toEqual({ category: 'toys', id: '7' });
        expect(new RouteTemplate('page/{n=1}').match('page')).toEqual({ n: '1' });
    });

    it('applies type constraints', () => {
        const route = new RouteTemplate('items/{id:int}');
        expect(route.match('items/42')).toEqual({ id: '42' });
        expect(route.match('items/abc')).toBeUndefined();
        expect(new RouteTemplate('x/{flag:bool}').match('x/TRUE')).toEqual({ flag: 'TRUE' });
    });

    it('collects the rest of the path in a catch-all', () => {
        expect(new RouteTemplate('files/{*path}').match('files/a/b/c.txt')).toEqual({ path: 'a/b/c.txt' });
        expect(new RouteTemplate('files/{*path}').match('files')).toEqual({});
    });

    it('rejects templates it cannot serve', () => {
        expect(() => new RouteTemplate('files/{*path}/more')).toThrow(/catch-all/);
        expect(() => new RouteTemplate('a/b{c}')).toThrow(/mixed literal/);
        expect(() => new RouteTemplate('a/{b')).toThrow(/unterminated/);
    });

    it('orders literal before constrained before plain before catch-all', () => {
        const routes = ['items/{*rest}', 'items/{name}', 'items/{id:int}', 'items/special'].map(
            (t) => new RouteTemplate(t),
        );
        expect(routes.sort(compareRoutePrecedence).map((r) => r.template)).toEqual([
            'items/special',
            'items/{id:int}',
            'items/{name}',
            'items/{*rest}',
        ]);
    });
});
